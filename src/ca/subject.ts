/** The organisation names in localcert's subjects: how a program (trust status, uninstall) recognises our certificates. */

/** Every localcert root's and intermediate's subject starts with this organisation. */
export const ROOT_ORGANIZATION = 'localcert development CA'

/** The organisation of every leaf. */
export const LEAF_ORGANIZATION = 'localcert development certificate'

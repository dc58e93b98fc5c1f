import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * A Java TLS client for the trust tests: connects to 127.0.0.1:PORT (no DNS) as NAME, with SNI and
 * HTTPS hostname verification, using the JVM's trust store (-Djavax.net.ssl.trustStore picks another).
 * Prints the response body and exits 0; on any TLS failure prints the exception and exits 1.
 *
 * Usage: java TlsProbe.java NAME PORT
 */
public class TlsProbe {
  public static void main(String[] args) throws Exception {
    String name = args[0];
    int port = Integer.parseInt(args[1]);
    SSLSocketFactory factory = (SSLSocketFactory) SSLSocketFactory.getDefault();
    try (Socket plain = new Socket(InetAddress.getByName("127.0.0.1"), port);
        SSLSocket tls = (SSLSocket) factory.createSocket(plain, name, port, true)) {
      SSLParameters params = tls.getSSLParameters();
      params.setEndpointIdentificationAlgorithm("HTTPS");
      params.setServerNames(List.of(new SNIHostName(name)));
      tls.setSSLParameters(params);
      tls.startHandshake();
      OutputStream out = tls.getOutputStream();
      out.write(("GET / HTTP/1.1\r\nHost: " + name + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = tls.getInputStream();
      ByteArrayOutputStream response = new ByteArrayOutputStream();
      in.transferTo(response);
      String text = response.toString(StandardCharsets.UTF_8);
      System.out.print(text.substring(text.indexOf("\r\n\r\n") + 4));
    } catch (javax.net.ssl.SSLException error) {
      System.err.println(error);
      System.exit(1);
    }
  }
}

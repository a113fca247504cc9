// A minimal SPARQL 1.1 protocol endpoint over Apache Jena ARQ, for the store matrix
// (tests/test_store_matrix.py). Debian packages Jena's libraries but not Fuseki, so this serves
// queries (GET or POST, form-encoded or application/sparql-query) from one JVM instead of starting
// one `arq` process per query. Read-only; binds 127.0.0.1 only.
//
//   java -cp "$(tools/ci-stores.sh jena-classpath)" tools/JenaSparql.java PORT DATA TDB2-FOLDER
//
// DATA ending in .trig or .nq: loaded into TDB2 at TDB2-FOLDER, queried with the union default graph
// (tdb2:unionDefaultGraph); anything else (Turtle, N-Triples): loaded into an in-memory default graph.

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import org.apache.jena.query.Dataset;
import org.apache.jena.query.DatasetFactory;
import org.apache.jena.query.Query;
import org.apache.jena.query.QueryExecution;
import org.apache.jena.query.QueryExecutionFactory;
import org.apache.jena.query.QueryFactory;
import org.apache.jena.query.ResultSetFormatter;
import org.apache.jena.query.Syntax;
import org.apache.jena.riot.Lang;
import org.apache.jena.riot.RDFDataMgr;
import org.apache.jena.system.Txn;
import org.apache.jena.tdb2.TDB2;
import org.apache.jena.tdb2.TDB2Factory;

public class JenaSparql {
    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        String data = args[1];
        Dataset ds;
        if (data.endsWith(".trig") || data.endsWith(".nq")) {
            ds = TDB2Factory.connectDataset(args[2]);
            final Dataset d = ds;
            Txn.executeWrite(d, () -> RDFDataMgr.read(d, data));
            ds.getContext().set(TDB2.symUnionDefaultGraph, true);
        } else {
            ds = DatasetFactory.createTxnMem();
            final Dataset d = ds;
            Txn.executeWrite(d, () -> RDFDataMgr.read(d.getDefaultModel(), data));
        }
        final Dataset dataset = ds;
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        server.createContext("/sparql", ex -> {
            try {
                handle(ex, dataset);
            } catch (Throwable t) {
                reply(ex, 500, "text/plain", String.valueOf(t).getBytes(StandardCharsets.UTF_8));
            }
        });
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.start();
        System.out.println("JenaSparql ready on 127.0.0.1:" + port);
    }

    static String param(String form, String name) {
        if (form == null) return null;
        for (String pair : form.split("&")) {
            int eq = pair.indexOf('=');
            String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            if (key.equals(name)) {
                return eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    static void handle(HttpExchange ex, Dataset ds) throws IOException {
        String text;
        if (ex.getRequestMethod().equals("POST")) {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String ctype = String.valueOf(ex.getRequestHeaders().getFirst("Content-Type"));
            text = ctype.startsWith("application/sparql-query") ? body : param(body, "query");
        } else {
            text = param(ex.getRequestURI().getRawQuery(), "query");
        }
        if (text == null) {
            reply(ex, 400, "text/plain", "no query".getBytes(StandardCharsets.UTF_8));
            return;
        }
        Query query;
        try {
            query = QueryFactory.create(text, Syntax.syntaxSPARQL_11);
        } catch (Exception e) {
            reply(ex, 400, "text/plain", String.valueOf(e.getMessage()).getBytes(StandardCharsets.UTF_8));
            return;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String[] ctype = {"application/sparql-results+json"};
        Txn.executeRead(ds, () -> {
            try (QueryExecution qe = QueryExecutionFactory.create(query, ds)) {
                if (query.isSelectType()) {
                    ResultSetFormatter.outputAsJSON(out, qe.execSelect());
                } else if (query.isAskType()) {
                    ResultSetFormatter.outputAsJSON(out, qe.execAsk());
                } else {
                    ctype[0] = "application/n-triples";
                    RDFDataMgr.write(out, query.isConstructType() ? qe.execConstruct() : qe.execDescribe(),
                                     Lang.NTRIPLES);
                }
            }
        });
        reply(ex, 200, ctype[0], out.toByteArray());
    }

    static void reply(HttpExchange ex, int status, String ctype, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", ctype);
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(body);
        }
    }
}

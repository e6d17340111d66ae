// pgjdbc against the gateway, compared with PostgreSQL itself.
//
// Checks: ResultSetMetaData (column type names, java.sql.Types, precision/scale) and values
// equal to the oracle's; a PreparedStatement with parameters executed past pgjdbc's
// prepareThreshold (server-prepared, binary transfer); DatabaseMetaData.getSchemas,
// getTables and getColumns; the samples files server. Compiled and run by
// scripts/clients.sh with the Debian libpostgresql-jdbc-java jar on the class path.

import java.sql.*;
import java.util.*;

public class JdbcTest {
    static int count = 0;
    static List<String> failures = new ArrayList<>();

    interface Step { void run() throws Exception; }

    static void check(String what, Step step) {
        count++;
        try {
            step.run();
            System.out.println("  ok   " + what);
        } catch (Throwable e) {
            failures.add(what + ": " + e);
            System.out.println("  FAIL " + what + ": " + e);
        }
    }

    static void eq(String what, Object got, Object want) {
        if (!Objects.equals(got, want)) {
            throw new AssertionError(what + "\n    got:  " + got + "\n    want: " + want);
        }
    }

    static String env(String name, String def) {
        String v = System.getenv(name);
        return v == null || v.isEmpty() ? def : v;
    }

    static final String ITEMS = "SELECT id, big, price, name, made, made_tz, day, active, doc FROM public.items ORDER BY id";

    static List<List<Object>> rows(ResultSet rs) throws SQLException {
        List<List<Object>> out = new ArrayList<>();
        int n = rs.getMetaData().getColumnCount();
        while (rs.next()) {
            List<Object> row = new ArrayList<>();
            for (int i = 1; i <= n; i++) {
                Object v = rs.getObject(i);
                // PGobject (json/jsonb) compares by identity; compare its type and text.
                if (v != null && v.getClass().getName().equals("org.postgresql.util.PGobject")) {
                    v = v.toString();
                }
                row.add(v);
            }
            out.add(row);
        }
        return out;
    }

    static List<String> meta(ResultSetMetaData md) throws SQLException {
        List<String> out = new ArrayList<>();
        for (int i = 1; i <= md.getColumnCount(); i++) {
            out.add(md.getColumnLabel(i) + " " + md.getColumnTypeName(i) + " type=" + md.getColumnType(i)
                + " precision=" + md.getPrecision(i) + " scale=" + md.getScale(i)
                + " class=" + md.getColumnClassName(i));
        }
        return out;
    }

    static List<String> column(ResultSet rs, String... names) throws SQLException {
        List<String> out = new ArrayList<>();
        while (rs.next()) {
            StringBuilder b = new StringBuilder();
            for (String n : names) b.append(n).append('=').append(rs.getString(n)).append(' ');
            out.add(b.toString().trim());
        }
        return out;
    }

    public static void main(String[] args) throws Exception {
        String host = env("FEDGATE_HOST", "127.0.0.1");
        String port = env("FEDGATE_PORT", "5480");
        String ohost = env("ORACLE_HOST", "127.0.0.1");
        String oport = env("ORACLE_PORT", "5432");
        String odb = env("CLIENTS_DB", "fedgate_clients");
        System.out.println("pgjdbc " + org.postgresql.Driver.getVersion() + " (java " + System.getProperty("java.version") + ")");
        Properties props = new Properties();
        props.setProperty("user", "postgres");
        Connection gw = DriverManager.getConnection("jdbc:postgresql://" + host + ":" + port + "/pg", props);
        Connection oracle = DriverManager.getConnection("jdbc:postgresql://" + ohost + ":" + oport + "/" + odb, props);

        check("ResultSetMetaData and values", () -> {
            try (Statement g = gw.createStatement(); Statement o = oracle.createStatement();
                 ResultSet gr = g.executeQuery(ITEMS); ResultSet or = o.executeQuery(ITEMS)) {
                eq("metadata", meta(gr.getMetaData()), meta(or.getMetaData()));
                eq("rows", rows(gr), rows(or));
            }
        });

        check("column type names", () -> {
            try (Statement g = gw.createStatement(); ResultSet gr = g.executeQuery(ITEMS)) {
                ResultSetMetaData md = gr.getMetaData();
                List<String> names = new ArrayList<>();
                for (int i = 1; i <= md.getColumnCount(); i++) names.add(md.getColumnTypeName(i));
                eq("type names", names, List.of("int4", "int8", "numeric", "text", "timestamp", "timestamptz", "date", "bool", "jsonb"));
            }
        });

        check("PreparedStatement with parameters, past prepareThreshold", () -> {
            String sql = "SELECT id, name, price, made_tz FROM public.items WHERE id = ? OR name = ? ORDER BY id";
            try (PreparedStatement g = gw.prepareStatement(sql); PreparedStatement o = oracle.prepareStatement(sql)) {
                for (int i = 0; i < 7; i++) {
                    for (PreparedStatement p : List.of(g, o)) {
                        p.setInt(1, 2);
                        p.setString(2, "alpha");
                    }
                    try (ResultSet gr = g.executeQuery(); ResultSet or = o.executeQuery()) {
                        eq("execution " + (i + 1), rows(gr), rows(or));
                    }
                }
            }
        });

        check("PreparedStatement int8 and numeric parameters", () -> {
            String sql = "SELECT id FROM public.items WHERE big = ? OR price < ? ORDER BY id";
            try (PreparedStatement g = gw.prepareStatement(sql)) {
                g.setLong(1, 10000000000L);
                g.setBigDecimal(2, new java.math.BigDecimal("0.00"));
                try (ResultSet gr = g.executeQuery()) {
                    eq("ids", rows(gr), List.of(List.of(1), List.of(2)));
                }
            }
        });

        check("DatabaseMetaData.getSchemas", () -> {
            try (ResultSet rs = gw.getMetaData().getSchemas()) {
                List<String> schemas = column(rs, "TABLE_SCHEM");
                if (!schemas.contains("TABLE_SCHEM=public")) throw new AssertionError("no public in " + schemas);
            }
        });

        check("DatabaseMetaData.getTables", () -> {
            String[] types = {"TABLE"};
            try (ResultSet g = gw.getMetaData().getTables(null, "public", "%", types);
                 ResultSet o = oracle.getMetaData().getTables(null, "public", "%", types)) {
                eq("tables", column(g, "TABLE_SCHEM", "TABLE_NAME", "TABLE_TYPE"), column(o, "TABLE_SCHEM", "TABLE_NAME", "TABLE_TYPE"));
            }
        });

        check("DatabaseMetaData.getColumns", () -> {
            String[] cols = {"COLUMN_NAME", "DATA_TYPE", "TYPE_NAME", "COLUMN_SIZE", "DECIMAL_DIGITS", "NULLABLE", "ORDINAL_POSITION"};
            try (ResultSet g = gw.getMetaData().getColumns(null, "public", "items", "%");
                 ResultSet o = oracle.getMetaData().getColumns(null, "public", "items", "%")) {
                eq("columns", column(g, cols), column(o, cols));
            }
        });

        check("samples files server", () -> {
            try (Connection s = DriverManager.getConnection("jdbc:postgresql://" + host + ":" + port + "/samples", props);
                 PreparedStatement p = s.prepareStatement("SELECT name FROM shop.customers WHERE id = ?")) {
                p.setInt(1, 1);
                try (ResultSet rs = p.executeQuery()) {
                    eq("customer 1", rows(rs), List.of(List.of("Alice Martin")));
                }
            }
        });

        gw.close();
        oracle.close();
        System.out.println("pgjdbc: " + (count - failures.size()) + " of " + count + " checks passed");
        for (String f : failures) System.out.println("  failed: " + f);
        System.exit(failures.isEmpty() ? 0 : 1);
    }
}

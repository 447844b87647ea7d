package io.flinkcumo.sql;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.TableResult;

/**
 * A script of {@code sql/} as the SQL client runs it: placeholders {@code ${name}} filled in,
 * statements split at a {@code ;} that ends a line (a {@code EXECUTE STATEMENT SET BEGIN ... END;}
 * block is one statement), executed in order, each job awaited before the next statement, as the
 * SQL client does with {@code table.dml-sync}; {@code SET 'key' = 'value'} sets the table
 * configuration, as in the SQL client.
 */
final class SqlScript {

    private static final Pattern RUNTIME_MODE =
            Pattern.compile("SET\\s+'execution\\.runtime-mode'\\s*=\\s*'(\\w+)'", Pattern.CASE_INSENSITIVE);
    private static final Pattern SET = Pattern.compile("SET\\s+'([^']+)'\\s*=\\s*'([^']*)'", Pattern.CASE_INSENSITIVE);
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([a-z-]+)}");

    final String name;
    final List<String> statements;

    private SqlScript(String name, List<String> statements) {
        this.name = name;
        this.statements = statements;
    }

    /** The directory of the scripts. */
    static Path dir() {
        return Path.of("sql").toAbsolutePath();
    }

    /**
     * Reads {@code sql/<name>} and fills in {@code variables}.
     *
     * @throws IllegalArgumentException if the script uses a placeholder that has no value
     */
    static SqlScript load(String name, Map<String, String> variables) throws IOException {
        List<String> statements = new ArrayList<>();
        for (String statement : split(Files.readString(dir().resolve(name)))) {
            Matcher m = PLACEHOLDER.matcher(statement);
            StringBuilder filled = new StringBuilder();
            while (m.find()) {
                String value = variables.get(m.group(1));
                if (value == null) {
                    throw new IllegalArgumentException(name + " uses ${" + m.group(1) + "}, which has no value");
                }
                m.appendReplacement(filled, Matcher.quoteReplacement(value));
            }
            m.appendTail(filled);
            statements.add(filled.toString());
        }
        return new SqlScript(name, statements);
    }

    /** Statements in order; comment lines dropped. */
    static List<String> split(String script) {
        List<String> statements = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        boolean inBlock = false;
        for (String line : script.split("\n")) {
            String stripped = line.strip();
            if (stripped.startsWith("--") || (stripped.isEmpty() && current.length() == 0)) {
                continue;
            }
            current.append(line).append('\n');
            String upper = current.toString().strip().toUpperCase(Locale.ROOT);
            if (!inBlock && (upper.startsWith("EXECUTE STATEMENT SET") || upper.startsWith("BEGIN STATEMENT SET"))) {
                inBlock = true;
            }
            boolean ends = inBlock ? stripped.equalsIgnoreCase("END;") : stripped.endsWith(";");
            if (ends) {
                String statement = current.toString().strip();
                statements.add(statement.substring(0, statement.length() - 1).strip());
                current.setLength(0);
                inBlock = false;
            }
        }
        if (!current.toString().isBlank()) {
            statements.add(current.toString().strip());
        }
        return statements;
    }

    /** The runtime mode the script sets (a table environment cannot change it later); streaming if none. */
    boolean batch() {
        return statements.stream()
                .map(RUNTIME_MODE::matcher)
                .filter(Matcher::find)
                .reduce((first, second) -> second)
                .map(m -> m.group(1).equalsIgnoreCase("batch"))
                .orElse(false);
    }

    /**
     * Runs the statements after {@code prelude} (e.g. an {@code ADD JAR}), awaiting every job.
     *
     * @return the result of the last statement
     */
    TableResult run(Configuration config, List<String> prelude) throws Exception {
        return execute(environment(config), prelude, statements);
    }

    /** Runs every statement but the last, then explains the last one (an INSERT or SELECT). */
    String explainLast(Configuration config, List<String> prelude) throws Exception {
        TableEnvironment tEnv = environment(config);
        execute(tEnv, prelude, statements.subList(0, statements.size() - 1));
        return tEnv.explainSql(statements.get(statements.size() - 1));
    }

    private TableEnvironment environment(Configuration config) {
        EnvironmentSettings.Builder settings = EnvironmentSettings.newInstance().withConfiguration(config);
        return TableEnvironment.create(batch() ? settings.inBatchMode().build() : settings.inStreamingMode().build());
    }

    private static TableResult execute(TableEnvironment tEnv, List<String> prelude, List<String> statements) throws Exception {
        List<String> all = new ArrayList<>(prelude);
        all.addAll(statements);
        TableResult last = null;
        for (int i = 0; i < all.size(); i++) {
            Matcher set = SET.matcher(all.get(i));
            if (set.matches()) {
                // a SQL client statement; TableEnvironment#executeSql does not take it
                tEnv.getConfig().getConfiguration().setString(set.group(1), set.group(2));
                continue;
            }
            last = tEnv.executeSql(all.get(i));
            if (last.getJobClient().isPresent() && i < all.size() - 1) {
                last.await();
            }
        }
        if (last != null && last.getJobClient().isPresent()
                && !all.get(all.size() - 1).strip().toUpperCase(Locale.ROOT).startsWith("SELECT")) {
            last.await();
        }
        return last;
    }
}

// Runs SQL statements with DuckDB and prints the rows of the last one as a JSON array.
// Usage: node query.mjs "<sql>; <sql>; ..."   (or the SQL on stdin when no argument is given)
// flink-cumo's tests use it to write Parquet input and to read Parquet output independently of Flink.
import { DuckDBInstance } from '@duckdb/node-api';
import { readFileSync } from 'node:fs';

const sql = process.argv.length > 2 ? process.argv[2] : readFileSync(0, 'utf8');
const instance = await DuckDBInstance.create(':memory:');
const connection = await instance.connect();
try {
  const statements = await connection.extractStatements(sql);
  let rows = [];
  for (let i = 0; i < statements.count; i++) {
    const prepared = await statements.prepare(i);
    rows = (await prepared.runAndReadAll()).getRowObjectsJson();
  }
  process.stdout.write(JSON.stringify(rows) + '\n');
} catch (e) {
  process.stderr.write(String(e && e.message ? e.message : e) + '\n');
  process.exitCode = 1;
} finally {
  connection.closeSync();
}

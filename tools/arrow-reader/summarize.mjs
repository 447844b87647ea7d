#!/usr/bin/env node
// Summarises Arrow IPC files with Arrow JS, independently of the Java writer:
//   node summarize.mjs <file-or-directory>...
// Directories contribute every file whose name does not start with "." or "_" (the Flink
// FileSink keeps in-progress and pending files hidden), in name order. Prints one JSON object:
//   files    [{file, rows, batches}]
//   rows     total row count
//   schema   [{name, type, nullable, metadata, extension?: {name, metadata}}] (the first file's;
//            every file must have the same schema)
//   columns  {name: {nulls, values, sum, distinct?, counts?}} where sum adds every non-null
//            numeric leaf value (list and fixed-size-list columns are flattened; booleans count
//            true), values counts those leaves, and string columns report distinct values
//            (with per-value counts when there are at most 32).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { tableFromIPC, makeVector, Type } from 'apache-arrow';

const MAX_COUNTS = 32;

function inputFiles(args) {
    const files = [];
    for (const arg of args) {
        if (statSync(arg).isDirectory()) {
            for (const name of readdirSync(arg).sort()) {
                if (!name.startsWith('.') && !name.startsWith('_') && statSync(join(arg, name)).isFile()) {
                    files.push(join(arg, name));
                }
            }
        } else {
            files.push(arg);
        }
    }
    return files;
}

function describeField(field) {
    const metadata = Object.fromEntries(field.metadata);
    const out = { name: field.name, type: String(field.type), nullable: field.nullable, metadata };
    const extensionName = metadata['ARROW:extension:name'];
    if (extensionName !== undefined) {
        const raw = metadata['ARROW:extension:metadata'];
        out.extension = { name: extensionName, metadata: raw ? JSON.parse(raw) : null };
    }
    return out;
}

// Adds the non-null numeric leaves of rows [from, to) of one Data to acc.
function addLeaves(data, from, to, acc) {
    const vector = makeVector(data);
    switch (data.typeId) {
        case Type.List:
        case Type.LargeList: {
            const offsets = data.valueOffsets;
            for (let i = from; i < to; i++) {
                if (vector.isValid(i)) {
                    addLeaves(data.children[0], Number(offsets[data.offset + i]), Number(offsets[data.offset + i + 1]), acc);
                }
            }
            return;
        }
        case Type.FixedSizeList: {
            const n = data.type.listSize;
            for (let i = from; i < to; i++) {
                if (vector.isValid(i)) {
                    addLeaves(data.children[0], (data.offset + i) * n, (data.offset + i + 1) * n, acc);
                }
            }
            return;
        }
        case Type.Int:
        case Type.Float:
        case Type.Bool:
        case Type.Timestamp:
        case Type.Date: {
            const fast = data.typeId === Type.Float && data.nullCount === 0;
            const values = data.values;
            for (let i = from; i < to; i++) {
                if (fast) {
                    acc.sum += values[data.offset + i];
                    acc.values++;
                } else if (vector.isValid(i)) {
                    const v = vector.get(i);
                    acc.sum += typeof v === 'boolean' ? (v ? 1 : 0) : Number(v);
                    acc.values++;
                }
            }
            return;
        }
        default:
            for (let i = from; i < to; i++) {
                if (vector.isValid(i)) {
                    acc.values++;
                }
            }
    }
}

function summarize(paths) {
    const files = [];
    const columns = {};
    let schema = null;
    let rows = 0;
    for (const path of paths) {
        const table = tableFromIPC(readFileSync(path));
        const fields = table.schema.fields.map(describeField);
        if (schema === null) {
            schema = fields;
        } else if (JSON.stringify(schema) !== JSON.stringify(fields)) {
            throw new Error(`${path} has a different schema`);
        }
        files.push({ file: basename(path), rows: table.numRows, batches: table.batches.length });
        rows += table.numRows;
        for (const field of table.schema.fields) {
            const acc = (columns[field.name] ??= { nulls: 0, values: 0, sum: 0 });
            for (const batch of table.batches) {
                const data = batch.getChild(field.name).data[0];
                acc.nulls += data.nullCount;
                if (field.typeId === Type.Utf8) {
                    acc.counts ??= {};
                    const vector = makeVector(data);
                    for (let i = 0; i < data.length; i++) {
                        const v = vector.get(i);
                        if (v !== null) {
                            acc.counts[v] = (acc.counts[v] ?? 0) + 1;
                            acc.values++;
                        }
                    }
                } else {
                    addLeaves(data, 0, data.length, acc);
                }
            }
        }
    }
    for (const acc of Object.values(columns)) {
        if (acc.counts !== undefined) {
            acc.distinct = Object.keys(acc.counts).length;
            if (acc.distinct > MAX_COUNTS) {
                delete acc.counts;
            }
        }
    }
    return { files, rows, schema: schema ?? [], columns };
}

const args = process.argv.slice(2);
if (args.length === 0) {
    console.error('usage: node summarize.mjs <arrow-file-or-directory>...');
    process.exit(2);
}
process.stdout.write(JSON.stringify(summarize(inputFiles(args)), null, 1) + '\n');

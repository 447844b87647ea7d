#!/usr/bin/env bash
# Hostile run of bin/cumo's commands (the CLI run with java directly, as bin/cumo does, without its install step).
set -u
# Usage: mvn -B -q -DskipTests -pl flink-cumo-cli -am package && scripts/hostile-run.sh [WORKDIR]   (needs mkfifo,
# python3, node with tools/duckdb installed). Prints one tab-separated line per input: exit code, time,
# max RSS, flags (HANG, STACKTRACE, LEAK of a planted secret) and the first lines of stderr.
W="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
H="${1:-/tmp/cumo-hostile}"
if [ -e "$H" ] && [ -n "$(ls -A "$H")" ]; then echo "hostile-run: $H must be new or empty" >&2; exit 2; fi
mkdir -p "$H"
cd "$H"
cumo() { timeout 180 java -Xmx2g --add-opens=java.base/java.nio=ALL-UNNAMED -Dai.djl.offline=true -Dcumo.home="$W" \
  -cp "$W/flink-cumo-cli/target/classes:$W/flink-cumo-cli/target/lib/*" io.flinkcumo.cli.CumoCli "$@"; }
CH=$W/samples/images/chelsea.png
export CH
python3 - <<'PY'
import zlib, struct, shutil
import os
png = open(os.environ['CH'],'rb').read()
def chunk(t, d): return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)
c = zlib.compressobj(9)
z = b''.join(c.compress(b'\0' * (1 << 20)) for _ in range(1024)) + c.flush()   # 1 GiB of zeros, deflated
open('ztxt-bomb.png','wb').write(png[:33] + chunk(b'zTXt', b'Comment\0\0' + z) + png[33:])
open('iccp-bomb.png','wb').write(png[:33] + chunk(b'iCCP', b'icc\0\0' + z) + png[33:])
open('itxt-bomb.png','wb').write(png[:33] + chunk(b'iTXt', b'XML:com.adobe.xmp\0\1\0\0\0' + z) + png[33:])
PY
mkfifo fifo.png; ln -s /dev/zero zero.png; mkdir adir
printf -- '--max-new-tokens 1\n--json\n' > args.txt
n=0
t() { # name, expected kind (answer|error), command...
  local name=$1 kind=$2; shift 2; n=$((n+1))
  local start=$(date +%s.%N)
  /usr/bin/time -f "%M" -o rss.txt bash -c "$(declare -f cumo); W=$W; $(printf '%q ' "$@")" > out.txt 2> err.txt; local code=$?
  local secs=$(echo "$(date +%s.%N) - $start" | bc)
  local rss=$(tail -1 rss.txt)
  local err=$(grep -v '^SLF4J\|WARNING\|^$' err.txt | head -3 | tr '\n' '|')
  local out=$(head -c 200 out.txt | tr '\n' '|')
  local flags=""
  grep -q $'\tat ' err.txt && flags="$flags STACKTRACE"
  grep -q 'root:x' out.txt err.txt && flags="$flags LEAK"
  [ $code -eq 124 ] && flags="$flags HANG"
  printf '%s\t%s\t%s\t%.1fs\t%sMB\t%s\t%s\t%s\n' "$n" "$name" "$code" "$secs" "$((rss/1024))" "$flags" "${err:0:220}" "${out:0:120}"
}
echo -e "#\tinput\texit\ttime\tmaxRSS\tflags\tstderr\tstdout"
Q=(--question "What is in the picture?")
t "answer ok" answer cumo answer --image $CH "${Q[@]}" --max-new-tokens 6
t "answer FIFO" error cumo answer --image $H/fifo.png "${Q[@]}"
t "answer /dev/zero" error cumo answer --image /dev/zero "${Q[@]}"
t "answer symlink->/dev/zero" error cumo answer --image $H/zero.png "${Q[@]}"
t "answer directory" error cumo answer --image $H/adir "${Q[@]}"
t "answer missing" error cumo answer --image $H/missing.png "${Q[@]}"
t "answer /etc/passwd" error cumo answer --image /etc/passwd "${Q[@]}"
t "answer zTXt 1GiB bomb" answer cumo answer --image $H/ztxt-bomb.png "${Q[@]}" --max-new-tokens 6
t "answer iCCP 1GiB bomb" answer cumo answer --image $H/iccp-bomb.png "${Q[@]}" --max-new-tokens 6
t "answer iTXt 1GiB bomb" answer cumo answer --image $H/itxt-bomb.png "${Q[@]}" --max-new-tokens 6
t "question @argsfile" answer cumo answer --image $CH --question @$H/args.txt --max-new-tokens 4
t "only @argsfile" error cumo @$H/args.txt
for q in $'\u00a0' $'\u3000' $'\u200b' $'\ufeff' $'\u00a0\u200b\u3000\ufeff' $'\u2028'; do
  t "question U+$(printf '%s' "$q" | iconv -f utf-8 -t utf-32be | xxd -p | head -c 8)" error cumo answer --image $CH --question "$q"
done
t "device cuda:99999999999" error cumo answer --image $CH "${Q[@]}" --device cuda:99999999999
t "device cuda:2147483648" error cumo answer --image $CH "${Q[@]}" --device cuda:2147483648
# mutated checkpoints
for m in 'scales=[1,0]' 'scales=[1,-3]' 'scales=[1,2147483647]' 's2_scales="336,0"' 'max_position_embeddings=2147483647' \
         'hidden_size=2147483647' 'tokenizer_model_max_length=100' 'vision_config.image_size=2147483647' \
         'vision_config.patch_size=1' 'eos_token_id=99999' 'num_selected=9' 'rope_theta=-1'; do
  d=$H/model-$(echo "$m" | tr -c 'a-z0-9' _); cp -r $W/models/cumo-tiny $d
  python3 - "$d/config.json" "$m" <<'PY'
import json, sys
p, m = sys.argv[1], sys.argv[2]; k, v = m.split('=', 1); c = json.load(open(p)); t = c
if '.' in k: a, k = k.split('.'); t = c[a]
t[k] = json.loads(v); json.dump(c, open(p, 'w'))
PY
  t "model $m" error cumo answer --model $d --image $CH "${Q[@]}"
done
# caption: hostile paths in Parquet rows (written by images-to-parquet, then rewritten with DuckDB)
mkdir -p cap/sub; cp $CH cap/ok.png; echo 'root:x:0:0:secret' > secret.txt; ln -s $H/secret.txt cap/out.png; ln -s /dev/zero cap/zero.png; mkfifo cap/fifo.png
(cd $W/tools/duckdb && node query.mjs) <<SQL > /dev/null
COPY (SELECT * FROM (VALUES ('ok', {'bytes': NULL::BLOB, 'path': 'ok.png'}), ('passwd', {'bytes': NULL::BLOB, 'path': '/etc/passwd'}),
 ('dotdot', {'bytes': NULL::BLOB, 'path': '../../../../etc/passwd'}), ('uri', {'bytes': NULL::BLOB, 'path': 'file:///etc/passwd'}),
 ('symlink', {'bytes': NULL::BLOB, 'path': 'out.png'}), ('zero', {'bytes': NULL::BLOB, 'path': 'zero.png'}),
 ('fifo', {'bytes': NULL::BLOB, 'path': 'fifo.png'}), ('dir', {'bytes': NULL::BLOB, 'path': 'sub'}),
 ('missing', {'bytes': NULL::BLOB, 'path': 'nope.png'}), ('shadow', {'bytes': NULL::BLOB, 'path': '/etc/shadow'})) AS t(id, image))
 TO '$H/cap/rows.parquet' (FORMAT parquet);
COPY (SELECT 'r' || i AS id, CASE WHEN i % 2048 = 0 THEN (SELECT content FROM read_blob('$CH')) ELSE 'x'::BLOB END AS image
 FROM range(4096) t(i)) TO '$H/corrupt.parquet' (FORMAT parquet, ROW_GROUP_SIZE 2048);
SQL
echo "SELECT row_group_id, data_page_offset, dictionary_page_offset FROM parquet_metadata('$H/corrupt.parquet')" \
  | (cd $W/tools/duckdb && node query.mjs) > meta.json
python3 - <<'PY'
import json
b = bytearray(open('corrupt.parquet', 'rb').read())
for c in json.load(open('meta.json')):
    if c['row_group_id'] == '1':  # overwrite the page headers of the second row group
        for k in ('data_page_offset', 'dictionary_page_offset'):
            if c[k] is not None:
                o = int(c[k]); b[o:o + 24] = b'\xff' * 24
open('corrupt.parquet', 'wb').write(b)
PY
t "caption hostile paths (10 rows)" answer cumo caption --input $H/cap/rows.parquet --output $H/cap-out --max-new-tokens 4
t "caption corrupt 2nd row group (4096 rows)" answer cumo caption --input $H/corrupt.parquet --output $H/corrupt-out --max-new-tokens 4 --show 0
mkdir -p fifodir; mkfifo fifodir/a.parquet
t "caption dir with FIFO parquet" error cumo caption --input $H/fifodir --output $H/o1
t "caption missing dir" error cumo caption --input $H/nope --output $H/o2
mkdir -p emptydir
t "caption empty dir" error cumo caption --input $H/emptydir --output $H/o3
t "caption /dev/zero as input" error cumo caption --input /dev/zero --output $H/o4
# moderation
mkdir -p mod/.git; cp $CH mod/ok.png; cp $CH mod/.hidden.png; cp $CH mod/_under.png; cp $CH mod/.git/x.png; mkfifo mod/fifo.png; ln -s /dev/zero mod/zero.png; echo hi > mod/readme.txt
t "moderate dir (7 files incl. hidden, FIFO, /dev/zero link)" answer cumo moderate --input-dir $H/mod --output $H/mod-out --categories safe,violence
t "moderate missing dir" error cumo moderate --input-dir $H/nope --output $H/o5
t "moderate empty dir" error cumo moderate --input-dir $H/emptydir --output $H/o6
# images-to-parquet
mkdir -p clash; cp $CH clash/a.png; cp $W/samples/images/tiny_97x31.jpg clash/a.jpg
t "images-to-parquet id clash" error cumo images-to-parquet --images $H/clash --out $H/clash.parquet
mkdir -p fifoimgs; cp $CH fifoimgs/a.png; mkfifo fifoimgs/b.png
t "images-to-parquet FIFO image" error cumo images-to-parquet --images $H/fifoimgs --out $H/f.parquet

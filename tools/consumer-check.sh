#!/usr/bin/env bash
# Builds a throwaway Maven project that depends on the installed symile artifacts exactly as README's "From another
# Maven project" says (its pom and Java blocks, marked "consumer-check", are copied out of README.md), offline, then
# runs that program on a model trained on generate's custom demo data. Fails when the README snippet does not
# compile or run, when the consumer resolves a library at another version than symile-app's own runtime classpath,
# or when a test library reaches the consumer's classpath. Run by .ci/run after the tests; needs `mvn install`
# (done here) and no network.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/symile-consumer.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cd "$root"
version="$(sed -n 's:.*<version>\(.*\)</version>.*:\1:p' pom.xml | head -1)"

echo "consumer-check: installing the symile artifacts ($version)"
mvn -B -q -Dstyle.color=never install -DskipTests

# the fenced block after each "<!-- consumer-check: KIND -->" marker in README.md
block() {
  awk -v kind="$1" '
    $0 == "<!-- consumer-check: " kind " -->" { found = 1; next }
    found && /^```/ { if (inside) exit; inside = 1; next }
    inside { print }' README.md
}
pom_block="$(block pom)"
java_block="$(block java)"
if [[ -z "$pom_block" || -z "$java_block" ]]; then
  echo "consumer-check: README.md has no consumer-check pom or java block" >&2
  exit 1
fi
class="$(sed -n 's/^public class \([A-Za-z0-9_]*\).*/\1/p' <<<"$java_block" | head -1)"

mkdir -p "$work/app/src/main/java"
printf '%s\n' "$java_block" > "$work/app/src/main/java/$class.java"
# the README's dependencyManagement and dependencies, with an SLF4J binding added to the latter
deps="$(sed 's:^</dependencies>$:  <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-simple</artifactId><version>1.7.36</version></dependency>\n</dependencies>:' <<<"$pom_block")"
cat > "$work/app/pom.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
         xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 https://maven.apache.org/xsd/maven-4.0.0.xsd">
  <modelVersion>4.0.0</modelVersion>
  <groupId>example</groupId>
  <artifactId>symile-consumer</artifactId>
  <version>1</version>
  <properties>
    <maven.compiler.release>17</maven.compiler.release>
    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
  </properties>
$deps
  <build>
    <!-- the plugin versions the project builds with (in the local repository; Maven's defaults may not be) -->
    <pluginManagement>
      <plugins>
        <plugin><artifactId>maven-compiler-plugin</artifactId><version>3.13.0</version></plugin>
        <plugin><artifactId>maven-resources-plugin</artifactId><version>3.3.1</version></plugin>
        <plugin><artifactId>maven-surefire-plugin</artifactId><version>3.5.2</version></plugin>
        <plugin><artifactId>maven-jar-plugin</artifactId><version>3.4.2</version></plugin>
        <plugin><artifactId>maven-dependency-plugin</artifactId><version>3.8.1</version></plugin>
      </plugins>
    </pluginManagement>
  </build>
</project>
EOF

echo "consumer-check: building the README's program offline"
(cd "$work/app" && mvn -B -q -o -Dstyle.color=never package \
  dependency:build-classpath -Dmdep.outputFile="$work/cp.txt" \
  dependency:list -DoutputFile="$work/consumer.txt" -DincludeScope=runtime -DexcludeTransitive=false)
mvn -B -q -o -Dstyle.color=never -pl symile-app dependency:list -DoutputFile="$work/project.txt" \
  -DincludeScope=runtime

# group:artifact:type[:classifier]:version:scope lines -> "group:artifact[:classifier] version"
normalise() {
  sed -n 's/^ *\([^ :]*\):\([^ :]*\):\([^ :]*\):\(.*\)$/\1:\2:\3:\4/p' "$1" | awk -F: '{
    n = split($0, f, ":"); version = f[n - 1]; key = f[1] ":" f[2]; if (n == 6) key = key ":" f[4];
    print key, version }' | sed 's/ *--.*//' | sort -u
}
normalise "$work/consumer.txt" > "$work/consumer.norm"
normalise "$work/project.txt" > "$work/project.norm"
mismatch="$(join "$work/consumer.norm" "$work/project.norm" | awk '$2 != $3 { print "  " $1 ": consumer " $2 ", project " $3 }')"
if [[ -n "$mismatch" ]]; then
  echo "consumer-check: the consumer resolves other versions than symile-app runs with:" >&2
  echo "$mismatch" >&2
  exit 1
fi
if grep -E '^(org\.junit|junit|org\.opentest4j|com\.tngtech\.archunit)' "$work/consumer.norm" >&2; then
  echo "consumer-check: test libraries on the consumer's runtime classpath (above)" >&2
  exit 1
fi
echo "consumer-check: $(wc -l < "$work/consumer.norm") libraries, the same versions as symile-app's"

echo "consumer-check: training a model on the custom demo data"
{
  ./symile generate --experiment custom --out "$work/demo" --train_n 2000 --val_n 300 --test_n 300
  ./symile train --experiment custom --data_dir "$work/demo" --modalities left,right,target --epochs 3 \
    --use_seed True --ckpt_save_dir "$work/runs"
} >"$work/train.log" 2>&1 || {
  cat "$work/train.log" >&2
  exit 1
}
ckpt="$(ls "$work"/runs/*/last.ckpt)"

echo "consumer-check: running $class"
out="$(java -cp "$work/app/target/classes:$(cat "$work/cp.txt")" "$class" "$ckpt" "$work/demo/test" 2>"$work/err.txt")" || {
  cat "$work/err.txt" >&2
  exit 1
}
echo "  $out"
grep -q "recall@1" <<<"$out"
echo "consumer-check: passed"

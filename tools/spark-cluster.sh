#!/usr/bin/env bash
# A Spark standalone cluster from the project's own jars, for train --spark_master spark://HOST:PORT without a
# Spark distribution: spark-core's Master and Worker (the versions the app is built with), executors launched by
# the worker as JVMs of their own with the app's classpath.
#
#   tools/spark-cluster.sh start [--host H] [--port 7077] [--cores N] [--memory 4g] [--master spark://H:P]
#       starts a master (unless --master names one elsewhere) and one worker on this machine; prints the master URL
#   tools/spark-cluster.sh stop
#
# On a real cluster: check the project out at the same path on every node (or share it), build it once per node
# (./symile --help builds), run "start" on the master node, and "start --master spark://MASTER:7077" on the others.
# The split tensors (--data_dir) must be at the same path on every node. Logs and state: symile-app/target/spark-home.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
home="$root/symile-app/target/spark-home"
cmd="${1:-}"; shift || true
host="$(hostname -I 2>/dev/null | awk '{print $1}')"; host="${host:-127.0.0.1}"
port=7077; cores="$(nproc)"; memory=4g; master=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --host) host="$2"; shift 2;;
    --port) port="$2"; shift 2;;
    --cores) cores="$2"; shift 2;;
    --memory) memory="$2"; shift 2;;
    --master) master="$2"; shift 2;;
    *) echo "spark-cluster.sh: unknown option $1" >&2; exit 2;;
  esac
done
opens=(--add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
  --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens=java.base/sun.security.action=ALL-UNNAMED)
case "$cmd" in
  start)
    "$root/symile" --version >/dev/null # builds the app and its classpath file when needed
    # SPARK_HOME/jars is where a worker takes executors' classpath from: the app and all its dependencies
    rm -rf "$home/jars"; mkdir -p "$home/jars" "$home/logs" "$home/work"
    tr ':' '\n' < "$root/symile-app/target/classpath.txt" | while read -r j; do ln -sf "$j" "$home/jars/"; done
    ln -sf "$root"/symile-app/target/symile-app-*.jar "$home/jars/"
    cp="$home/jars/*"
    # the daemons log at INFO (the app's own logback.xml keeps Spark at WARN)
    cat > "$home/logback-daemons.xml" <<'XML'
<configuration>
  <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
    <encoder><pattern>%d{HH:mm:ss} %-5level %logger{20} %msg%n</pattern></encoder>
  </appender>
  <root level="INFO"><appender-ref ref="OUT"/></root>
</configuration>
XML
    log=(-Dlogback.configurationFile="$home/logback-daemons.xml")
    export SPARK_HOME="$home" SPARK_SCALA_VERSION=2.12
    if [[ -z "$master" ]]; then
      nohup java "${opens[@]}" "${log[@]}" -Xmx1g -cp "$cp" org.apache.spark.deploy.master.Master --host "$host" --port "$port" \
        --webui-port 8080 >"$home/logs/master.log" 2>&1 &
      echo $! > "$home/master.pid"
      master="spark://$host:$port"
      for _ in $(seq 60); do (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null && break; sleep 0.5; done
    fi
    nohup java "${opens[@]}" "${log[@]}" -Xmx1g -cp "$cp" org.apache.spark.deploy.worker.Worker --cores "$cores" \
      --memory "$memory" --work-dir "$home/work" "$master" >"$home/logs/worker.log" 2>&1 &
    echo $! > "$home/worker.pid"
    for _ in $(seq 60); do grep -q "Successfully registered with master" "$home/logs/worker.log" && break; sleep 0.5; done
    grep -q "Successfully registered with master" "$home/logs/worker.log" \
      || { echo "spark-cluster.sh: the worker did not register with $master; see $home/logs/worker.log" >&2; exit 1; }
    echo "$master"
    ;;
  stop)
    for p in worker master; do
      if [[ -f "$home/$p.pid" ]]; then kill "$(cat "$home/$p.pid")" 2>/dev/null || true; rm -f "$home/$p.pid"; fi
    done
    ;;
  *) echo "usage: tools/spark-cluster.sh start [--host H] [--port P] [--cores N] [--memory M] [--master URL] | stop" >&2
     exit 2;;
esac

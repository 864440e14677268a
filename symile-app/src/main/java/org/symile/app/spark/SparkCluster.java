package org.symile.app.spark;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.broadcast.Broadcast;
import org.symile.app.runtime.NativeBuild;
import org.symile.app.spec.SparkSpec;

/**
 * Connecting to the cluster {@code --spark_master} names, and making sure before a run directory exists that it
 * can train: the master answers, and executors take tasks and can open the training data.
 */
final class SparkCluster {
    /** Seconds to wait for a standalone master's port. */
    private static final int CONNECT_SECONDS = 10;

    private SparkCluster() {
    }

    /**
     * A Spark context for the master: a standalone master's port is tried first (Spark itself retries for a minute
     * before giving up). {@code spark.*} system properties still apply; where they do not say otherwise, executor
     * JVMs get the options this project's code needs (the Vector API, the libnd4j build) and its
     * {@code OMP_NUM_THREADS}, the driver takes task results of any size, and the Spark UI is off for local masters.
     *
     * @throws IllegalArgumentException naming {@code --spark_master} when it cannot be reached or Spark refuses it
     */
    static JavaSparkContext connect(SparkSpec spark, String appName) {
        if (spark.master().startsWith("spark://")) {
            for (String hostPort : spark.master().substring("spark://".length()).split(",")) {
                requireReachable(spark.master(), hostPort);
            }
        }
        SparkConf conf = new SparkConf().setMaster(spark.master()).setAppName(appName);
        // Spark 3.3 adds the packages it needs opened on Java 17 to executor JVMs itself
        StringBuilder opts = new StringBuilder("--add-modules jdk.incubator.vector");
        String build = NativeBuild.select();
        if (build != null) {
            opts.append(" -D").append(NativeBuild.PROPERTY).append('=').append(build);
        }
        conf.setIfMissing("spark.executor.extraJavaOptions", opts.toString());
        String omp = System.getenv("OMP_NUM_THREADS");
        if (omp != null) {
            conf.setIfMissing("spark.executorEnv.OMP_NUM_THREADS", omp);
        }
        if (spark.local()) {
            conf.setIfMissing("spark.ui.enabled", "false");
        }
        // every round collects each replica's weights and AdamW moments (3 x 250 MB at Symile-MIMIC's full size):
        // any total, and each in the task's status message rather than fetched from the block manager (measured in
        // local mode at 30 MB: 200-700 ms from a task's end to the job's that way, ~50 ms directly); floats do not
        // compress, so the broadcast of the driver's state is not compressed either
        conf.setIfMissing("spark.driver.maxResultSize", "0");
        conf.setIfMissing("spark.rpc.message.maxSize", "2047");
        conf.setIfMissing("spark.task.maxDirectResultSize", "2047m");
        conf.setIfMissing("spark.broadcast.compress", "false");
        try {
            return new JavaSparkContext(conf);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("--spark_master " + spark.master() + ": Spark could not start with it: "
                    + rootMessage(e), e);
        }
    }

    private static void requireReachable(String master, String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        String host = hostPort.substring(0, colon);
        int port = Integer.parseInt(hostPort.substring(colon + 1));
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), CONNECT_SECONDS * 1000);
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("--spark_master " + master + ": cannot reach the master at " + hostPort
                    + " (" + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()) + ")", e);
        }
    }

    /**
     * One task per worker that opens the training data and builds a replica there, as training will; waits at most
     * {@code symile.spark_start_seconds} (default 300) for executors to take them.
     *
     * @return each task's executor host and the rows it found
     * @throws IllegalArgumentException naming {@code --data_dir} when an executor cannot open the data, or
     *                                  {@code --spark_master} when no executor takes the tasks in time
     */
    static List<String> checkExecutors(JavaSparkContext sc, ReplicaJob job, int workers, String master,
                                       String dataDir) {
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < workers; i++) {
            ids.add(i);
        }
        long seconds = Long.getLong("symile.spark_start_seconds", 300L);
        JavaFutureAction<List<String>> check = sc.parallelize(ids, workers).map(i -> Replicas.open(job)).collectAsync();
        try {
            return check.get(seconds, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            check.cancel(true);
            throw new IllegalArgumentException("--spark_master " + master + ": no executor ran the start-up check"
                    + " within " + seconds + " s (does the cluster have workers with free cores and memory?)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for Spark's executors", e);
        } catch (ExecutionException e) {
            String cause = taskFailure(e);
            throw new IllegalArgumentException("--data_dir " + dataDir + ": the Spark executors could not open the"
                    + " training data (" + cause + "); every executor reads the split tensors itself, so --data_dir"
                    + " must be a path they all see (shared storage)", e);
        }
    }

    /**
     * The message of the exception a failed task threw, from Spark's job failure: the first
     * {@link IllegalArgumentException} among the causes, else the failure's own first line.
     */
    /**
     * One Spark job over the tasks, one partition each, results in task (worker) order; frees the broadcast the
     * tasks read afterwards (null: the caller frees it).
     */
    static <T, R> List<R> runJob(JavaSparkContext sc, List<T> tasks, Broadcast<?> shipped, Function<T, R> task) {
        try {
            return sc.parallelize(tasks, tasks.size()).map(task).collect();
        } catch (RuntimeException e) {
            throw new IllegalStateException("a Spark task failed: " + taskFailure(e), e);
        } finally {
            if (shipped != null) {
                shipped.destroy();
            }
        }
    }

    static String taskFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof IllegalArgumentException && t.getMessage() != null) {
                return t.getMessage();
            }
        }
        String m = rootMessage(e);
        int at = m.indexOf("java.lang.IllegalArgumentException: ");
        if (at >= 0) {
            m = m.substring(at + "java.lang.IllegalArgumentException: ".length());
        }
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage() != null ? t.getMessage() : e.getMessage();
        return m == null ? t.getClass().getName() : m;
    }
}

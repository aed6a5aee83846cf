/** Running our pipelines on real engines (Flink), and the external worker pool (re-exports only). */
export { flinkRunner, FlinkPipelineResult, ENVIRONMENT_CACHE_MILLIS, RETRY_ENVIRONMENT_EXPIRATION_MILLIS, type FlinkRunnerOptions, type WorkerReport } from "./flink-runner.js";
export { FlinkJobServer, sharedFlinkJobServer, stopSharedFlinkJobServer, defaultFlinkClasspathDir, FLINK_JOB_SERVER_MAIN, FLINK_VERSION, type FlinkJobServerOptions } from "./flink-job-server.js";
export { isStalled, resolveStallWatchdog, DEFAULT_STALL_MS, DEFAULT_RESUBMITS, type StallWatchdogOptions, type StallReport, type RunActivity } from "./stall-watchdog.js";
export { WorkerPool, WORKER_ENTRY, type WorkerPoolOptions } from "./worker-pool.js";
export { withExternalEnvironment, EXTERNAL_ENVIRONMENT_URN } from "./external-environment.js";
export { userMetrics, countersOf } from "./metrics.js";
export { FLINK_JAVA_FLAGS, flinkJavaToolOptions, javaMajorVersion } from "./java.js";
export { patchGrpcLimits, patchWorker, UNLIMITED_MESSAGES } from "./sdk-patches.js";

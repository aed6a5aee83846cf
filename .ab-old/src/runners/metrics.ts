/** Reading a portable job's counters: committed metrics, or attempted ones where a runner commits none. */
import type { MonitoringInfo } from "apache-beam/proto/metrics";
import { aggregateMetrics } from "apache-beam/worker/metrics";

const USER_COUNTER_URN = "beam:metric:user:sum_int64:v1";

/** The user metrics to report: `committed` when it has any user counter, else `attempted` (Flink may report only those). */
export function userMetrics(results: { committed: MonitoringInfo[]; attempted: MonitoringInfo[] }): MonitoringInfo[] {
  return results.committed.some((info) => info.urn === USER_COUNTER_URN) ? results.committed : results.attempted;
}

/** Sums the user counters of `infos` by name. */
export function countersOf(infos: MonitoringInfo[]): Record<string, number> {
  return Object.fromEntries(aggregateMetrics(infos, USER_COUNTER_URN)) as Record<string, number>;
}

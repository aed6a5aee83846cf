/** Pointing a pipeline's TypeScript environment at an external worker pool instead of LOOPBACK or Docker. */
import type * as runnerApi from "apache-beam/proto/beam_runner_api";
import { asExternalEnvironment, TYPESCRIPT_DEFAULT_ENVIRONMENT_URN } from "apache-beam/internal/environments";

/** The URN of an EXTERNAL environment (payload: the pool's endpoint). */
export const EXTERNAL_ENVIRONMENT_URN = "beam:env:external:v1";

/**
 * A copy of `pipeline` whose default TypeScript environments are `beam:env:external:v1` with
 * `poolEndpoint` (the runner then asks that pool's StartWorker for SDK workers). Beam's portable
 * runner only rewrites environments that still have the default URN, so it leaves these alone.
 */
export function withExternalEnvironment(pipeline: runnerApi.Pipeline, poolEndpoint: string): runnerApi.Pipeline {
  const environments: Record<string, runnerApi.Environment> = {};
  for (const [id, env] of Object.entries(pipeline.components?.environments ?? {})) {
    environments[id] = env.urn === TYPESCRIPT_DEFAULT_ENVIRONMENT_URN ? asExternalEnvironment(env, poolEndpoint) : env;
  }
  return { ...pipeline, components: { ...pipeline.components!, environments } };
}

import type {
  DistributedRenderConfig,
  PlanV2Artifact,
  PlanV2Manifest,
  PlanV2MaterializationTarget,
  PlanV2Result,
  SerializableDistributedRenderConfig,
} from "@hyperframes/producer/distributed";

/**
 * The part of `@hyperframes/producer/distributed` the render function uses. The real module is ~150k
 * lines: it is loaded on first use, and unit tests pass a fake.
 */
export interface ProducerApi {
  planV2(projectDir: string, config: DistributedRenderConfig, planV2Dir: string): Promise<PlanV2Result>;
  renderChunkV2(
    planV2Dir: string,
    chunkIndex: number,
    outputChunkPath: string,
  ): Promise<{ sha256: string; framesEncoded: number }>;
  assembleV2(
    planV2Dir: string,
    chunkPaths: readonly string[],
    outputPath: string,
  ): Promise<{ framesEncoded: number; fileSize: number }>;
  validateDistributedRenderConfig(config: SerializableDistributedRenderConfig): unknown;
  readPlanV2Manifest(planV2Dir: string): Readonly<PlanV2Manifest>;
  listPlanV2ArtifactsForTarget(
    manifest: Readonly<PlanV2Manifest>,
    target: PlanV2MaterializationTarget,
  ): readonly Readonly<PlanV2Artifact>[];
  isPlanAudioArtifactPath(path: string): boolean;
}

export type { DistributedRenderConfig, PlanV2Artifact, PlanV2Manifest };

export async function loadProducer(): Promise<ProducerApi> {
  const producer = await import("@hyperframes/producer/distributed");
  return {
    planV2: producer.planV2,
    renderChunkV2: producer.renderChunkV2,
    assembleV2: producer.assembleV2,
    validateDistributedRenderConfig: producer.validateDistributedRenderConfig,
    readPlanV2Manifest: producer.readPlanV2Manifest,
    listPlanV2ArtifactsForTarget: producer.listPlanV2ArtifactsForTarget,
    isPlanAudioArtifactPath: producer.isPlanAudioArtifactPath,
  };
}

/** Where the v2 plan layout keeps a blob, locally and under the S3 artifact prefix (same relative path). */
export const planBlobRelativePath = (sha256: string): string => `sha256/${sha256.slice(0, 2)}/${sha256}`;
/** The local v2 plan folder: `plan.json` (the manifest) and `artifacts/<planBlobRelativePath>`. */
export const LOCAL_MANIFEST_FILE = "plan.json";
export const LOCAL_ARTIFACTS_DIR = "artifacts";

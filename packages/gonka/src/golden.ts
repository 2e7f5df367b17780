import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import * as admin from './schemas/admin.js';
import * as cometbft from './schemas/cometbft.js';
import * as mlnode from './schemas/mlnode.js';
import * as pub from './schemas/public.js';

/** The golden samples (`packages/gonka/golden`), each taken from a cited section of the reference. */
export const goldenDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../golden');

export interface GoldenFile {
  source: string;
  route: string;
  service: string;
  notes: string;
  optionalKeys: string[];
  sample: unknown;
}

export function loadGolden(name: string): GoldenFile {
  return JSON.parse(fs.readFileSync(path.join(goldenDir, name), 'utf8')) as GoldenFile;
}

/** Which lenient schema reads which golden sample. Every golden file must be listed (a test checks). */
export const GOLDEN_SCHEMAS: Record<string, z.ZodType> = {
  'admin-claim-reward-recover-request.json': admin.ClaimRewardRecoverRequest,
  'admin-claim-reward-recover.json': admin.ClaimRewardRecoverResult,
  'admin-config.json': admin.AdminConfig,
  'admin-nodes-batch-201.json': admin.BatchCreated,
  'admin-nodes-batch-206.json': admin.BatchPartial,
  'admin-nodes-batch-400.json': admin.BatchFailed,
  'admin-nodes-batch-request.json': admin.BatchCreated,
  'admin-nodes-create-request-v0215post5.json': admin.NodeConfig,
  'admin-nodes-create-request.json': admin.NodeConfig,
  'admin-nodes-create.json': admin.NodeConfig,
  'admin-nodes-delete-not-found.json': admin.DeleteResult,
  'admin-nodes-delete.json': admin.DeleteResult,
  'admin-nodes-disable.json': admin.NodeActionResult,
  'admin-nodes-enable.json': admin.NodeActionResult,
  'admin-nodes-list-failed.json': admin.NodesList,
  'admin-nodes-list-reconciling.json': admin.NodesList,
  'admin-nodes-list.json': admin.NodesList,
  'admin-nodes-upgrade-status-none.json': admin.UpgradeStatus,
  'admin-nodes-upgrade-status.json': admin.UpgradeStatus,
  'admin-nodes-version-status-request.json': admin.VersionStatusRequest,
  'admin-nodes-version-status.json': admin.UpgradeStatus,
  'admin-setup-report-missed-requests-details.json': admin.SetupCheck,
  'admin-setup-report.json': admin.SetupReport,
  'admin-unit-of-compute-price-proposal-request.json': admin.UnitOfComputePriceProposalRequest,
  'cometbft-status.json': cometbft.CometStatus,
  'mlcallback-versions.json': pub.CallbackVersions,
  'mlnode-gpu-devices.json': mlnode.GpuDevices,
  'mlnode-gpu-driver.json': mlnode.GpuDriver,
  'mlnode-health-unhealthy.json': mlnode.Health,
  'mlnode-health.json': mlnode.Health,
  'mlnode-inference-up-async.json': mlnode.InferenceUpAsync,
  'mlnode-inference-up-request.json': mlnode.InferenceUpRequest,
  'mlnode-inference-up-status.json': mlnode.InferenceUpStatus,
  'mlnode-inference-up.json': mlnode.StatusOk,
  'mlnode-models-delete.json': mlnode.ModelDelete,
  'mlnode-models-download.json': mlnode.ModelDownload,
  'mlnode-models-list.json': mlnode.ModelsList,
  'mlnode-models-space.json': mlnode.ModelsSpace,
  'mlnode-models-status-request.json': mlnode.ModelRef,
  'mlnode-models-status.json': mlnode.ModelStatus,
  'mlnode-pow-init-generate-request.json': mlnode.PowInitRequest,
  'mlnode-pow-init-generate.json': mlnode.PowInitResult,
  'mlnode-pow-status.json': mlnode.PowStatus,
  'mlnode-pow-stop.json': mlnode.PowStop,
  'mlnode-readyz.json': mlnode.Readyz,
  'mlnode-state-inference.json': mlnode.MlState,
  'mlnode-state-stopped.json': mlnode.MlState,
  'mlnode-stop.json': mlnode.StatusOk,
  'mlnode-versions.json': mlnode.MlVersions,
  'public-chat-completions-410.json': pub.Deprecated410,
  'public-epochs-current-participants-v0215.json': pub.EpochParticipants,
  'public-epochs-current-participants.json': pub.EpochParticipants,
  'public-epochs-latest-v0215.json': pub.EpochsLatest,
  'public-epochs-latest.json': pub.EpochsLatest,
  'public-identity.json': pub.Identity,
  'public-participants-get.json': pub.Account,
  'public-participants-list.json': pub.ParticipantsList,
  'public-participants-register-request.json': pub.RegisterParticipantRequest,
  'public-status.json': pub.PublicStatus,
  'public-v2-accounts-get.json': pub.Account,
  'public-v2-participant.json': pub.ParticipantV2,
  'public-versions-v0215.json': pub.Versions,
  'public-versions.json': pub.Versions,
};

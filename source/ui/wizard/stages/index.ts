import type {StageDef} from '../stage-def.js';
import {apiServerSansStage} from './api-server-sans.js';
import {caStage} from './ca.js';
import {clusterStage} from './cluster.js';
import {componentsStage} from './components.js';
import {encryptionStage} from './encryption.js';
import {etcdStage} from './etcd.js';
import {kubeconfigsStage} from './kubeconfigs.js';
import {kubeletsStage} from './kubelets.js';
import {reviewStage} from './review.js';
import {toolsStage} from './tools.js';

export type {StageDef} from '../stage-def.js';
export type {StageId} from '../state.js';

/** The stages, in order. Adding a stage is one file and one entry here. */
export const stages: readonly StageDef[] = [
	toolsStage,
	clusterStage,
	caStage,
	kubeletsStage,
	componentsStage,
	apiServerSansStage,
	kubeconfigsStage,
	encryptionStage,
	etcdStage,
	reviewStage,
];

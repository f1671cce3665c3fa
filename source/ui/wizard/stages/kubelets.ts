import type {StageDef} from '../stage-def.js';
import {cardLines, certCommands, continueItem, idsWhere, needsCertificates} from './common.js';

const produces = idsWhere(spec => spec.role === 'kubelet');

export const kubeletsStage = {
	id: 'kubelets',
	title: 'Kubelet certs',
	short: 'Kubelets',
	produces,
	items: () => [continueItem],
	body: (state, width) => cardLines(state, width, produces),
	commands: state => certCommands(state, produces),
	blocked: needsCertificates,
} as const satisfies StageDef;

import type {StageDef} from './index.js';
import {cardLines, certCommands, continueItem} from './common.js';

export const kubeletsStage = {
	id: 'kubelets',
	title: 'Kubelet certs',
	short: 'Kubelets',
	items: () => [continueItem],
	body: (state, width) => cardLines(state, width, cert => cert.spec.role === 'kubelet'),
	commands: state => certCommands(state, spec => spec.role === 'kubelet'),
} as const satisfies StageDef;

import type {Role} from '../../../core/plan.js';
import type {StageDef} from './index.js';
import {cardLines, certCommands, continueItem} from './common.js';

const roles: readonly Role[] = ['controller-manager', 'scheduler', 'proxy', 'admin', 'service-account'];

export const componentsStage = {
	id: 'components',
	title: 'Component certs',
	short: 'Components',
	items: () => [continueItem],
	body: (state, width) => cardLines(state, width, cert => roles.includes(cert.spec.role)),
	commands: state => certCommands(state, spec => roles.includes(spec.role)),
} as const satisfies StageDef;

import type {Role} from '../../../core/plan.js';
import type {StageDef} from '../stage-def.js';
import {cardLines, certCommands, continueItem, idsWhere, needsCertificates} from './common.js';

const roles: readonly Role[] = ['controller-manager', 'scheduler', 'proxy', 'admin', 'service-account'];
const produces = idsWhere(spec => roles.includes(spec.role));

export const componentsStage = {
	id: 'components',
	title: 'Component certs',
	short: 'Components',
	produces,
	items: () => [continueItem],
	body: (state, width) => cardLines(state, width, produces),
	commands: state => certCommands(state, produces),
	blocked: needsCertificates,
} as const satisfies StageDef;

import {etcdCommands} from '../../../core/by-hand.js';
import {etcdFaultTolerance, etcdMemberFlags, etcdQuorum, etcdServers} from '../../../core/etcd.js';
import {etcdUnitSource, hardwayNames} from '../../../core/placement.js';
import {labelled, textLines, type Line} from '../../widgets/lines.js';
import type {StageDef} from '../stage-def.js';
import {continueItem, pendingLines, planOf, needsCertificates, none} from './common.js';

const shown = new Set(['name', 'cert-file', 'peer-cert-file', 'trusted-ca-file', 'client-cert-auth', 'peer-client-cert-auth', 'listen-client-urls', 'initial-advertise-peer-urls']);

export const etcdStage = {
	id: 'etcd',
	title: 'etcd',
	short: 'etcd',
	produces: none,
	items: () => [continueItem],
	body(state, width) {
		const plan = planOf(state);
		if (!plan) return pendingLines(state, width) ?? [];
		const members = plan.topology.masters.length;
		const tolerates = etcdFaultTolerance(members);
		const quorum = etcdQuorum(members);
		const lines: Line[] = [
			...textLines(
				`${members} member(s), quorum ${quorum}: the cluster survives ${tolerates} failed member(s).${tolerates === 0 && members > 1 ? ` A ${members}-member etcd is less available than one member; use 3.` : ''}`,
				width,
				tolerates === 0 ? 'warn' : 'ok',
			).map((l, i) => (i === 0 ? {...l, text: `${tolerates === 0 ? '! ' : '✓ '}${l.text}`} : l)),
			...labelled('API server', `--etcd-servers=${etcdServers(plan)}`, width, 11),
		];
		for (const master of plan.topology.masters) {
			lines.push({text: ''}, {text: `${etcdUnitSource(master.name)} and .env`, tone: 'accent', bold: true});
			for (const flag of etcdMemberFlags(plan, master).filter(f => shown.has(f.name))) {
				lines.push(...labelled('', `--${flag.name}${flag.value === true ? '' : `=${flag.value}`}`, width, 2));
			}
		}

		lines.push({text: ''}, ...textLines(`${hardwayNames('apiserver').cert} is the server, peer and client certificate (the API Server SANs stage shows it): it holds every master IP and 127.0.0.1 with serverAuth and clientAuth.`, width, 'muted'));
		return lines;
	},
	commands(state) {
		const plan = planOf(state);
		return plan ? etcdCommands(plan) : ['# the cluster has problems: fix them first'];
	},
	blocked: needsCertificates,
} as const satisfies StageDef;

// A certificate or key that is there but cannot be read is a broken PKI, not a clean one: a truncated
// paste, a kubeconfig whose base64 was cut. Files that were never PKI (units, scripts) are not findings.
import {isBroken} from '../pki/load.js';
import {about, where, type Finding, type Rule} from './types.js';

export const unreadable: Rule = {
	id: 'unreadable',
	summary: 'a PEM block, DER file or kubeconfig field that should hold a certificate or key but cannot be parsed',
	check({items}) {
		return items
			.filter(isBroken)
			.map(
				(item): Finding => ({
					...about(item),
					rule: 'unreadable',
					severity: item.error === 'permission denied' ? 'warning' : 'error',
					message:
						item.error === 'permission denied'
							? 'kubepki may not read this file, so it was not checked; run as a user who can (the component that uses it must be able to).'
							: `${where(item)}${item.error ?? 'cannot be read'}: whoever loads it fails. Copy it again from the machine that made it, or reissue it.`,
				}),
			);
	},
};

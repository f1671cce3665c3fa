// Dates: expired, not yet valid, or close to the end ("x509: certificate has expired or is not yet
// valid"). openssl x509 -req without -days gives 30 days: expires-soon catches that on day one.
import {endNotEnforced} from '../expiry.js';
import {renewWithinDays} from '../plan.js';
import {about, certItems, where, type Finding, type Rule} from './types.js';

const day = 24 * 3600 * 1000;
/** The same bound generate uses to renew a leaf. */
export const expiresSoonDays = renewWithinDays;

function date(iso: string): string {
	return iso.slice(0, 10);
}

export const expired: Rule = {
	id: 'expired',
	summary: 'notAfter is in the past',
	check({items, now}) {
		return certItems(items)
			// Kubernetes uses only the service-account pair's keys: its end date breaks nothing.
			.filter(item => Date.parse(item.cert.notAfter) < now.getTime() && !endNotEnforced(item))
			.map(
				(item): Finding => ({
					...about(item),
					rule: 'expired',
					severity: 'error',
					message: `${where(item)}expired on ${date(item.cert.notAfter)}: every TLS peer rejects it ("certificate has expired"). Reissue it${item.cert.isCA ? ', and every certificate this CA signed' : ''}.`,
				}),
			);
	},
};

export const expiresSoon: Rule = {
	id: 'expires-soon',
	summary: `notAfter is less than ${expiresSoonDays} days away`,
	check({items, now}) {
		return certItems(items)
			.filter(item => {
				if (endNotEnforced(item)) return false;
				const left = Date.parse(item.cert.notAfter) - now.getTime();
				return left >= 0 && left < expiresSoonDays * day;
			})
			.map((item): Finding => {
				const days = Math.floor((Date.parse(item.cert.notAfter) - now.getTime()) / day);
				const total = Math.round((Date.parse(item.cert.notAfter) - Date.parse(item.cert.notBefore)) / day);
				const hint = total <= 31 ? ` It was issued for ${total} days: openssl x509 -req without -days defaults to 30.` : '';
				return {
					...about(item),
					rule: 'expires-soon',
					severity: 'warning',
					message: `${where(item)}expires in ${days} day(s), on ${date(item.cert.notAfter)}.${hint} Reissue it before then (e.g. -days 365).`,
				};
			});
	},
};

export const notYetValid: Rule = {
	id: 'not-yet-valid',
	summary: 'notBefore is in the future',
	check({items, now}) {
		return certItems(items)
			.filter(item => Date.parse(item.cert.notBefore) > now.getTime())
			.map(
				(item): Finding => ({
					...about(item),
					rule: 'not-yet-valid',
					severity: 'error',
					message: `${where(item)}not valid before ${item.cert.notBefore}: peers reject it until then ("not yet valid"). Check the clock of the machine that made it (clock skew), or reissue it.`,
				}),
			);
	},
};

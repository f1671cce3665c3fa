// Secrets and ConfigMaps (k8s-objects.ts finds them and their keys) as items: each key read as a file of its own.
import type {ObjectsResult} from '../k8s-objects.js';
import {isBroken, unreadable, type Item, type ParseBytes} from './items.js';

/** A Secret's or ConfigMap's keys, each read as a file; keys that hold no certificate or key (a token, a namespace) are left out. */
export function objectItems(file: string, found: ObjectsResult, parse: ParseBytes): Item[] {
	const items = [
		...found.entries.flatMap(entry => parse(entry.path, entry.bytes).filter(item => item.kind !== 'unreadable' || isBroken(item))),
		...found.problems.map(problem => unreadable(problem.path, problem.error, 'object')),
	];
	return items.length > 0 ? items : [unreadable(file, `${found.objects === 1 ? 'a Secret or ConfigMap' : `${found.objects} Secrets or ConfigMaps`} with no certificate or key`)];
}

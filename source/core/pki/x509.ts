// The only module that imports @peculiar/x509 (kubepki issues through asn1.ts; the tests and bench/inspect.ts hold it
// to this library). Its 2.x line needs a Reflect polyfill loaded first.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

// Node's own webcrypto makes keys on libuv's thread pool, so the wizard's screen keeps moving.
x509.cryptoProvider.set(globalThis.crypto);

export {x509};

/** Injection tokens. Every constructor parameter uses an explicit token, so DI never depends on emitted type metadata. */
export const APP_SETTINGS = Symbol('APP_SETTINGS');

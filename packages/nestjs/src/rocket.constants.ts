/** The client of RocketModule.forRoot without a name. */
export const DEFAULT_CLIENT = 'default';

/** Which client a module instance is (its forRoot name). */
export const ROCKET_CLIENT_NAME = Symbol('rocketnest:client-name');

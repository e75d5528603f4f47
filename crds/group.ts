// The API group and version: the prefix of every kind, label and annotation of the API.
export const GROUP = 'daas.calipsoplus.eu';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const CATEGORY = 'daas';
/** The group whose members administer the platform (roles, admission policies and the dashboard). */
export const ADMINS_GROUP = 'daas:admins';

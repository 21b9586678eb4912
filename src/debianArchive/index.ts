// Debian's archive as guru uses it: a private apt view of the suites guru
// knows (debianReleases.ts), and minimal roots of any suite (debianRoot.ts).
export { DEBIAN_RELEASES, findDebianRelease, releaseOfSuite, allSuites, type DebianRelease } from './debianReleases.js';
export { aptUpdate, ensureFreshLists, aptShowMany, aptVersions, aptPackageNames, aptDownload, type AptPackage, type AptVersion } from './apt.js';
export { createDebianRoot, removeRootTree, type DebianRoot, type DebianRootOptions } from './debianRoot.js';
export { compareDebianVersions } from './debianVersion.js';

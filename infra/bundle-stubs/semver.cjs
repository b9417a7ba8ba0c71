/**
 * What the bundles hold instead of semver (LAMBDA_BUNDLE's alias, infra/bundling.ts).
 * aws-xray-sdk-core requires semver only for captureAWS, its patcher of the AWS SDK v2, which the
 * functions never call (they use SDK v3 clients); evaluating all of semver cost every traced
 * cold start ~4 ms. A call would throw here instead of comparing versions.
 */
module.exports = {
  gte() {
    throw new Error('semver is not bundled: captureAWS (AWS SDK v2) is not supported');
  },
};

/**
 * The URL guard of the respond.io directory: the only URL it may request is
 * `{baseUrl}/contact/{identifier}`, and no identifier can make it leave that place (no other
 * path, no query, no fragment, no credentials, no other host). Pure.
 */

/** What parseIdentifier produces: a kind, a colon and unreserved or percent-escaped characters. */
const PATH_SEGMENT = /^(?:id|email|phone):[A-Za-z0-9\-._~@+:%]+$/;

/** A malformed escape, or one that decodes to a separator, a dot or a control character. */
const UNSAFE_ESCAPE = /%(?![0-9A-Fa-f]{2})|%(?:2[Ff]|5[Cc]|2[Ee]|[01][0-9A-Fa-f]|7[Ff])/;

/**
 * The request URL for a path segment, or null when the segment could leave its place: it must
 * look like what parseIdentifier produces and the URL must have exactly the expected path.
 */
export function contactUrl(baseUrl: string, pathSegment: string): URL | null {
  return contactUrls(baseUrl)(pathSegment);
}

/** contactUrl for one base, read once (a directory builds every lookup's URL with it). */
export function contactUrls(baseUrl: string): (pathSegment: string) => URL | null {
  let base: URL;
  try {
    base = new URL(baseUrl);
  } catch {
    return () => null;
  }
  const { origin } = base;
  // A trailing slash on the base is ignored, so `.../v2/` and `.../v2` give the same path.
  const basePath = base.pathname.replace(/\/+$/, '');
  return (pathSegment) => {
    if (!PATH_SEGMENT.test(pathSegment) || UNSAFE_ESCAPE.test(pathSegment)) return null;
    const expectedPath = `${basePath}/contact/${pathSegment}`;
    const url = new URL(`${origin}${expectedPath}`);
    if (
      url.origin !== origin ||
      url.pathname !== expectedPath ||
      url.search !== '' ||
      url.hash !== '' ||
      url.username !== '' ||
      url.password !== ''
    ) {
      return null;
    }
    return url;
  };
}

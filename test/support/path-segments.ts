/**
 * Test support: hand-made path segments that would leave `{base}/contact/{identifier}` (another
 * path, a query, a fragment, an escaped separator or dot, a header injection) and that the
 * respond.io URL guard must refuse. parseIdentifier never produces them; the guard is the
 * second line.
 */
export const CRAFTED_PATH_SEGMENTS: readonly string[] = [
  'id:1/message',
  'id:1?x=1',
  'id:1#frag',
  'id:..%2F..',
  'id:1%2fmessage',
  'id:1%5Cmessage',
  'id:%2E%2E',
  'id:1%',
  '../admin',
  'contact:1',
  'id:1\nHost: evil',
  '',
];

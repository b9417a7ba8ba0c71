import { describe, expect, it } from '@jest/globals';
import {
  DEFAULT_ERROR_BEHAVIOR,
  parseErrorBehavior,
} from '../../functions/settings/error-behavior.js';

describe('parseErrorBehavior', () => {
  it.each([
    [undefined, DEFAULT_ERROR_BEHAVIOR],
    ['', DEFAULT_ERROR_BEHAVIOR],
    ['FailAndReturnResponse', 'FailAndReturnResponse'],
    ['FailWithoutResponse', 'FailWithoutResponse'],
    ['DoNotFailAndReturnResponse', 'DoNotFailAndReturnResponse'],
    ['Do not fail and return response', 'DoNotFailAndReturnResponse'],
    ['fail_without_response', 'FailWithoutResponse'],
    ['Ignore', null],
    ['Fail', null],
  ])('%j → %j', (value, expected) => {
    // Act & Assess
    expect(parseErrorBehavior(value)).toBe(expected);
  });
});

import { describe, expect, it } from '@jest/globals';
import { startFailureMessage } from '../../local/start.js';

describe('startFailureMessage', () => {
  it('names the setting to change when the API port is taken', () => {
    // Prepare
    delete process.env.PORT;
    const error = Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE', port: 3000 });
    // Act & Assess
    expect(startFailureMessage(error)).toMatch(/port 3000 is already in use.*PORT=3001 npm start/);
  });

  it('names LOCAL_SQS_PORT when the local SQS port is taken', () => {
    // Prepare
    const error = Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE', port: 9324 });
    // Act & Assess
    expect(startFailureMessage(error)).toMatch(/LOCAL_SQS_PORT=9325 npm start/);
  });

  it('passes any other message through', () => {
    // Act & Assess
    expect(startFailureMessage(new Error('Invalid configuration: x'))).toBe(
      'Invalid configuration: x',
    );
  });
});

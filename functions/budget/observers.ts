/** One budget observer that tells several (metrics, and a benchmark's own counters). */

import type { BudgetObserver } from './limiter.js';

export function composeBudgetObservers(
  ...observers: readonly (BudgetObserver | undefined)[]
): BudgetObserver {
  const present = observers.filter(
    (observer): observer is BudgetObserver => observer !== undefined,
  );
  return {
    onStart: (event) => {
      for (const observer of present) observer.onStart?.(event);
    },
    onCoordinatorCall: (event) => {
      for (const observer of present) observer.onCoordinatorCall?.(event);
    },
    onForfeit: (slots) => {
      for (const observer of present) observer.onForfeit?.(slots);
    },
    onModeChange: (mode) => {
      for (const observer of present) observer.onModeChange?.(mode);
    },
    onRateChange: (event) => {
      for (const observer of present) observer.onRateChange?.(event);
    },
  };
}

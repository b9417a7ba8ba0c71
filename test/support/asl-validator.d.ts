/**
 * Types of the asl-validator package (it ships none): the default export validates one Amazon
 * States Language definition. Only what test/infra/file-workflow.test.ts uses.
 */

declare module 'asl-validator' {
  interface AslValidation {
    readonly isValid: boolean;
    readonly errors: readonly { readonly message?: string }[];
    readonly errorsText: (separator?: string) => string;
  }
  export default function aslValidator(
    definition: unknown,
    options?: { readonly checkPaths?: boolean; readonly checkArn?: boolean },
  ): AslValidation;
}

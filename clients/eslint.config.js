// The journeys take the generated types as they are: no casts, no `any`, no non-null
// assertions. Where the spec gives a type that forces one, the spec is what to fix.
import tseslint from "typescript-eslint";

export default tseslint.config({
  files: ["ts/**/*.ts"],
  extends: [tseslint.configs.strictTypeChecked],
  languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
  rules: {
    "@typescript-eslint/no-explicit-any": "error",
    "@typescript-eslint/no-non-null-assertion": "error",
    "@typescript-eslint/consistent-type-assertions": ["error", { assertionStyle: "never" }],
    "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true }],
  },
});

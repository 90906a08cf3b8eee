// ESLint (flat config): typescript-eslint's recommended rules, plus the type-aware rules that catch
// promises nobody awaits (a floating promise in a Pulumi program or a test hides its failure).
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
    { ignores: ["node_modules/", "**/node_modules/", ".tools/", "bin-out/", "**/*.js", "**/*.mjs"] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
        rules: {
            "@typescript-eslint/no-floating-promises": "error",
            "@typescript-eslint/no-misused-promises": "error",
            "@typescript-eslint/await-thenable": "error",
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", ignoreRestSiblings: true }],
            "@typescript-eslint/no-unused-expressions": "error",
            "no-unreachable": "error",
        },
    },
    {
        // Tests read recorded inputs and engine payloads whose shapes are the providers', not ours.
        files: ["test/**/*.ts"],
        rules: { "@typescript-eslint/no-explicit-any": "off" },
    },
    {
        // Policies read resource properties, which @pulumi/policy types as Record<string, any>.
        files: ["policies/**/*.ts"],
        rules: { "@typescript-eslint/no-explicit-any": "off" },
    },
);

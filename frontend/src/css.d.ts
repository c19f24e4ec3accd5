// Stylesheets imported by the TypeScript are bundled by esbuild into the page's one <style> (see build.mjs).
declare module "*.css";

// MYDS (Malaysia Government Design System) as a Tailwind 3 preset. The package's exports map hides the
// preset, so it is loaded by path, without its debugging `content` key (DESIGN.md section 3).
const myds = require("./node_modules/@govtechmy/myds-style/tailwind.config.js");
const { content: _unused, ...mydsPreset } = myds;

/** @type {import('tailwindcss').Config} */
module.exports = {
  presets: [mydsPreset],
  content: ["../templates/**/*.html", "../matrix/**/templates/**/*.html", "../static/js/**/*.js", "../matrix/**/*.py"],
};

// ECharts options to SVG, server-side (no browser): the PDF's charts are drawn by the same
// library, from the same options, as the report page's.
//
//   node render_svg.mjs < {"charts": [{"option": {...}, "width": 720, "height": 320}, ...]}
//   > {"svgs": ["<svg ...>", ...]}
//
// One process per report (not per chart): Node's start-up and the import of echarts are most
// of the cost. Animation is off, so each chart is drawn in its final state at once.
import * as echarts from "echarts";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const request = JSON.parse(Buffer.concat(chunks).toString("utf8"));

const svgs = (request.charts || []).map(({ option, width = 720, height = 320 }) => {
  const chart = echarts.init(null, null, { renderer: "svg", ssr: true, width, height });
  chart.setOption({ ...option, animation: false });
  const svg = chart.renderToSVGString();
  chart.dispose();
  return svg;
});
process.stdout.write(JSON.stringify({ svgs }));

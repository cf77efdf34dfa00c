import { BarChart, LineChart, PieChart } from 'echarts/charts'
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components'
// The layer rule's `**/core` pattern also matches this npm path; it is echarts, not src/core.
// eslint-disable-next-line no-restricted-imports
import { use } from 'echarts/core'
import { CanvasRenderer } from 'echarts/renderers'

/** Registers only the echarts parts the dashboard uses (keeps the bundle small). */
use([
  PieChart,
  BarChart,
  LineChart,
  GridComponent,
  LegendComponent,
  TooltipComponent,
  CanvasRenderer,
])

import { h, type Component } from 'vue'

/** Small stroke icons for the menu (no icon font: the CSP allows only our own assets). */
function icon(paths: string[]): Component {
  return () =>
    h(
      'svg',
      {
        viewBox: '0 0 24 24',
        width: '1em',
        height: '1em',
        fill: 'none',
        stroke: 'currentColor',
        'stroke-width': 1.8,
        'stroke-linecap': 'round',
        'stroke-linejoin': 'round',
        'aria-hidden': 'true',
      },
      paths.map((d) => h('path', { d })),
    )
}

export const navIcons = {
  dashboard: icon(['M4 4h7v9H4z', 'M13 4h7v5h-7z', 'M13 11h7v9h-7z', 'M4 15h7v5H4z']),
  keys: icon([
    'M14.5 9.5a4 4 0 1 1-1.2-2.8',
    'M13.3 6.7 20 13.4',
    'M17 10.4l2-2',
    'M18.5 12l1.8-1.8',
  ]),
  subKeys: icon(['M4 7h16v10H4z', 'M8 12h.01', 'M12 12h4', 'M4 10h2', 'M18 14h2']),
  logs: icon(['M5 6h14', 'M5 10h14', 'M5 14h10', 'M5 18h7']),
  providers: icon(['M4 5h16v5H4z', 'M4 14h16v5H4z', 'M7.5 7.5h.01', 'M7.5 16.5h.01']),
  settings: icon([
    'M12 15a3 3 0 1 0 0-6 3 3 0 0 0 0 6z',
    'M19.4 13a7.6 7.6 0 0 0 0-2l2-1.5-2-3.4-2.3 1a7.5 7.5 0 0 0-1.7-1L15 3.5h-4l-.4 2.6a7.5 7.5 0 0 0-1.7 1l-2.3-1-2 3.4 2 1.5a7.6 7.6 0 0 0 0 2l-2 1.5 2 3.4 2.3-1a7.5 7.5 0 0 0 1.7 1l.4 2.6h4l.4-2.6a7.5 7.5 0 0 0 1.7-1l2.3 1 2-3.4z',
  ]),
  menu: icon(['M4 6h16', 'M4 12h16', 'M4 18h16']),
  copy: icon(['M9 9h11v11H9z', 'M5 15H4V4h11v1']),
}

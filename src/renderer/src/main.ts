import { createPinia } from 'pinia'
import { createApp } from 'vue'
import App from './App.vue'
import { i18n } from './locales'
import { createAppRouter } from './router'

createApp(App).use(createPinia()).use(createAppRouter()).use(i18n).mount('#app')

// The web view's entry: the styles, the link interception, the app.
import { render } from 'preact';
import { App } from './app.js';
import { interceptLinks } from './navigation.js';
import './style.css';

interceptLinks();
const root = document.getElementById('app');
if (root) {
  root.textContent = '';
  render(<App />, root);
}

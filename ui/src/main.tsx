import { render } from 'preact';
import { bridge } from './bridge';
import { App } from './App';
import './styles.css';

render(<App bridge={bridge()} />, document.getElementById('app')!);

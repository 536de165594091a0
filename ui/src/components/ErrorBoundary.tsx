import { Component, type ComponentChildren } from 'preact';

/** Keeps one pane's bug from blanking the whole window. */
export class ErrorBoundary extends Component<{ children: ComponentChildren; what: string; resetKey?: unknown }, { error: Error | null }> {
  state = { error: null as Error | null };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  componentDidUpdate(prev: { resetKey?: unknown }) {
    if (prev.resetKey !== this.props.resetKey && this.state.error) this.setState({ error: null });
  }

  render() {
    if (this.state.error) {
      return (
        <section class="detail">
          <div class="detail-empty" role="alert">
            Ibid could not show {this.props.what}: {this.state.error.message}. Select another item, or reload the window.
          </div>
        </section>
      );
    }
    return this.props.children;
  }
}

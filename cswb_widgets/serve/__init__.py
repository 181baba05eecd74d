"""`cswb serve`: the workbooks as Voilà apps for facilitators and workshop participants.

Notebook kernels use :func:`cswb_widgets.workbooks.page.resolve_workspace`; the server side
(`app`, `handlers`, `launcher`) imports Voilà and is loaded only by the `serve` command.

What a visitor can do (Voilà 0.5.13, jupyter_server 2, as configured in `app.voila_config`):

- Open the launcher and the app pages, and only for a workspace directly under the root
  (`store.served_root`); anything else is refused before a kernel is handed out.
- Talk to *their own* kernel over its websocket, but only with `comm_open`, `comm_msg`,
  `comm_close`, `comm_info_request`, `kernel_info_request` and `shutdown_request`: Voilà drops
  `execute_request`, `complete_request`, `inspect_request`, `history_request` and `input_reply`,
  so no code typed by a visitor runs. Kernels are not listed (`/api/kernels` is not served);
  stopping one needs its id and the page's XSRF cookie.
- Through comm messages, set any synced trait of any widget in their kernel (a disabled or
  hidden one too) and trigger its handlers (a button's `on_click`), and ask the kernel to create
  any registered ipywidgets model class. Widgets must therefore validate on the Python side
  what they save, never trusting the browser to have enforced `disabled` or a choice list.
- See no tracebacks (`show_tracebacks=False`; the operator's log has them), not choose another
  template or theme, not browse files or read notebook sources.

On a loopback address no login is asked, and Host headers other than localhost/loopback are
refused (DNS rebinding); any other address requires `--token` or `--password-hash`.
"""

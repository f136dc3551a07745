//! `SIGQUIT`: dump every task and exit, as Go does. The signal is received on a dedicated
//! thread through `signal-hook`, so the dump never runs inside a signal handler.

use std::sync::Once;

use introspect::Reason;

/// Starts the signal thread once per process.
pub(crate) fn install_sigquit_handler() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        #[cfg(unix)]
        {
            use signal_hook::consts::SIGQUIT;
            use signal_hook::iterator::Signals;
            let mut signals = match Signals::new([SIGQUIT]) {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("executor: SIGQUIT dumps are off: could not register: {e}");
                    return;
                }
            };
            let started = std::thread::Builder::new()
                .name("executor-signals".to_owned())
                .spawn(move || {
                    if signals.forever().next().is_some() {
                        let reason = Reason::Signal {
                            name: "SIGQUIT".to_owned(),
                        };
                        super::claim();
                        super::freeze_and_dump(reason, None, None, None);
                    }
                });
            if let Err(e) = started {
                eprintln!("executor: SIGQUIT dumps are off: no signal thread: {e}");
            }
        }
    });
}

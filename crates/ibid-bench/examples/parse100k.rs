#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
#[allow(dead_code)]
#[path = "../src/bibtex.rs"]
mod bibtex;
fn main() {
    if std::env::var_os("NOTHP").is_some() { unsafe { libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0); } }
    let args: Vec<String> = std::env::args().collect();
    let kwarc = std::fs::read_to_string(&args[1]).unwrap();
    let n: usize = args[2].parse().unwrap();
    let mode = args.get(3).cloned().unwrap_or_default();
    let text = if n == 0 { kwarc.clone() } else { bibtex::scaled(&kwarc, n) };
    let rss = || std::fs::read_to_string("/proc/self/statm").unwrap().split_whitespace().nth(1).unwrap().parse::<u64>().unwrap()*4/1024;
    eprintln!("rss before {} MB", rss());
    let iters: usize = std::env::var("ITER").map(|v| v.parse().unwrap()).unwrap_or(3);
    for _ in 0..iters {
        let t = std::time::Instant::now();
        if mode == "items" {
            let p = ibid_formats::bibtex::parse_items(&text);
            eprintln!("items {} in {:.3}s", p.len(), t.elapsed().as_secs_f64());
            std::mem::forget(p);
        } else {
            let p = ibid_formats::bibtex::parse(&text);
            eprintln!("works {} in {:.3}s", p.len(), t.elapsed().as_secs_f64());
            std::mem::forget(p);
        }
        eprintln!("rss after {} MB", rss());
    }
}

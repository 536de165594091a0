//! Prints what the shipped model makes of each line of a file (or stdin):
//! cargo run -p ibid-refparse --example parse -- FILE
use std::io::Read;

fn main() {
    let mut text = String::new();
    match std::env::args().nth(1) {
        Some(p) => text = std::fs::read_to_string(p).expect("read the file"),
        None => {
            std::io::stdin().read_to_string(&mut text).expect("read stdin");
        }
    }
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let r = ibid_refparse::parse_reference(line);
        println!("{line}");
        for s in &r.spans {
            println!("    {:<16} {}", s.field, s.text);
        }
        println!("  => {:?}\n  locator: {:?}\n", ibid_core::csl::flatten(&r.work), r.locator);
        if let Some(p) = &r.work.parent {
            println!("  parent: {} {:?}\n", p.work_type, p.title);
        }
    }
}

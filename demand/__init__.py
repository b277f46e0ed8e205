"""From staged rows to inquiries: process mapping, behavioural duplicates, labels."""

"""Weekly reports for process owners: one self-contained HTML page and CSV per process and week.

Plain Python with no Dagster: an asset or the command line calls `build_report` with warehouse
rows and `send_report` with SMTP settings.
"""

from onodig.reports.mail import ReportNotSent, SmtpSettings, send_report
from onodig.reports.render import Report, build_report
from onodig.reports.texts import change_sentence

__all__ = ["Report", "ReportNotSent", "SmtpSettings", "build_report", "change_sentence", "send_report"]

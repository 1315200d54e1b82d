"""Pure producers of bytes: tabular files, calendars, badges, invoices."""

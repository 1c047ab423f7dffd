"""The picker: every account × permission set, a filter, and what can be done with a row.

screen.py        the screen: layout, filter, streaming, login (``PickerScreen``)
action_table.py  the one table of actions: bindings, footer, menu, palette and help
row_actions.py   the actions and their workers, a component the screen holds
state.py         the rows while the inventory streams in (no Textual)
assignment_list.py, details.py, count.py, filter_input.py   its widgets
menu.py, destinations.py, palette.py   the action menu, the console page and region
                 lists, the command palette's provider

Imports go one way: screen -> row_actions -> menu, destinations; everything -> action_table,
state; nothing here imports the screen.
"""
